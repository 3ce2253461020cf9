// Tunnel: an analytic flythrough of a winding, tiled neon tube (no 3D raymarching).
//
// The tube has radius 1 around a path that wanders sideways; the camera rides on the path,
// looking along its tangent. A pixel at screen position p (the shorter side spans -1..1)
// sees the wall at the first depth z where |p z - axis(z)| = 1, axis(z) being the path's
// sideways offset z units ahead relative to the line of sight: a 1D search along the pixel's
// ray (geometric steps, then regula falsi), so a bend hides the tube behind it. The wall is
// tiled in (angle, depth): `segments` tiles around, `rings` per unit of depth, sheared by
// `twist`; each tile is a dark bevelled plate or a lit glass panel, framed by seams, with
// light strips on some ring seams. Fog fades the far wall into the glow of the tunnel's end.
// Anything smaller than a couple of pixels fades to its average (no moire at the far end).
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform vec2 aspect_scale;  // half extents: the shorter side spans -1..1
uniform float path_phase;   // distance flown along the path, modulo PATH_PERIOD
uniform float ring_phase;   // rings passed (distance * rings), modulo 4096
uniform float spin;         // twist carried along by the flight, radians
uniform float roll;         // camera roll, radians
uniform float seed_hash;    // per-seed offset of the tile hashes
uniform float twist, rings, segments, hue, hue_spread, glow, fog, sway, pulse;
out vec4 color;

const float TAU = 6.28318530718;
const float K = TAU / 96.0;   // path frequencies are multiples of K: the path repeats every 96
const int STEPS = 20;         // 0.3 * 1.5^20: the search reaches ~1000 radii deep
const float GROWTH = 1.5;
const float RING_PERIOD = 4096.0;  // ring_phase wraps here (tunnel.py)
const float SEAM = 0.006;     // half width of the seams, tube radii
const float STRIP = 0.03;     // half width of the light strips, tube radii

// A cheap sine (piecewise parabola, within 6% of sin, continuous slope): the march below
// evaluates the path ~20 times per pixel, and llvmpipe's sin/cos cost several times more.
float psin(float x) {
    float a = x * (1.0 / 3.14159265359);
    a -= 2.0 * floor(0.5 * a + 0.5);  // now in [-1, 1)
    return 4.0 * a * (1.0 - abs(a));
}

float pcos_slope(float x) {  // d/dx psin(x)
    float a = x * (1.0 / 3.14159265359);
    a -= 2.0 * floor(0.5 * a + 0.5);
    return (4.0 / 3.14159265359) * (1.0 - 2.0 * abs(a));
}

// the tube's centre line (sideways offset against distance); gentle: bends of radius >= ~8
vec2 path(float w) {
    return vec2(1.5 * psin(2.0 * K * w) + 0.6 * psin(5.0 * K * w + 1.0),
                1.2 * psin(3.0 * K * w + 1.5707963) + 0.5 * psin(4.0 * K * w + 2.0));
}

vec2 path_slope(float w) {
    return K * vec2(3.0 * pcos_slope(2.0 * K * w) + 3.0 * pcos_slope(5.0 * K * w + 1.0),
                    3.6 * pcos_slope(3.0 * K * w + 1.5707963) + 2.0 * pcos_slope(4.0 * K * w + 2.0));
}

float hash(vec2 cell) {
    uvec2 q = uvec2(ivec2(cell) + 32768) * uvec2(1597334673u, 3812015801u);
    uint n = (q.x ^ q.y) * 1597334673u;
    n ^= n >> 16;
    n *= 2246822519u;
    n ^= n >> 13;
    return float(n) * (1.0 / 4294967296.0);
}

#include "common/color.glsl"

void main() {
    vec2 p = (uv * 2.0 - 1.0) * aspect_scale;
    float cr = cos(roll), sr = sin(roll);
    p = mat2(cr, sr, -sr, cr) * p;

    // the wall depth: the first z where |p z - axis(z)| reaches the tube radius 1, where
    // axis(z) is the centre line z units ahead relative to the camera's line of sight.
    // Marched in geometric steps (the first crossing is the wall that is seen, so bends
    // occlude correctly), then refined by regula falsi.
    vec2 here = path(path_phase);
    vec2 slope = path_slope(path_phase);
    float z_near = 0.0, h_near = -1.0;
    float z = 0.3, h = 0.0;
    for (int i = 0; i < STEPS; i++) {
        h = length(p * z - sway * (path(path_phase + z) - here - z * slope)) - 1.0;
        if (h > 0.0) break;
        z_near = z;
        h_near = h;
        z *= GROWTH;
    }
    if (h > 0.0) {
        float z_far = z, h_far = h;
        for (int i = 0; i < 3; i++) {
            z = z_near + (z_far - z_near) * (-h_near) / (h_far - h_near);
            h = length(p * z - sway * (path(path_phase + z) - here - z * slope)) - 1.0;
            if (h > 0.0) { z_far = z; h_far = h; } else { z_near = z; h_near = h; }
        }
    } else {
        z = 1000.0;  // the far end: fog has swallowed any wall here
    }
    vec2 q = p - sway * (path(path_phase + z) - here - z * slope) / z;

    // wall coordinates: s around (in tiles), t along (in rings)
    float angle = atan(q.y, q.x);
    float turn = (twist * z + spin) / TAU * segments;
    float s = angle / TAU * segments + turn;
    // the same coordinate from an angle whose seam is on the other side, for derivatives
    float s_alt = (atan(-q.y, -q.x) + 0.5 * TAU) / TAU * segments + turn;
    float t = z * rings + ring_phase;
    vec2 width = vec2(min(fwidth(s), fwidth(s_alt)), fwidth(t)) + 1e-4;

    vec2 cell = floor(vec2(s, t));
    cell = mod(cell, vec2(segments, RING_PERIOD));  // ring_phase wraps at RING_PERIOD
    vec2 f = fract(vec2(s, t)) - 0.5;
    float h1 = hash(cell + vec2(seed_hash, 0.0));
    float h2 = hash(cell + vec2(17.0, seed_hash));

    // distances on the wall in tube radii, so that near seams are thick and far ones thin
    vec2 tile = vec2(TAU / segments, 1.0 / rings);
    vec2 edge = (0.5 - abs(f)) * tile;   // to the tile's edges
    vec2 pixel = width * tile;           // one pixel
    float far = clamp(1.5 - 2.5 * max(width.x, width.y), 0.0, 1.0);  // 0 where tiles < ~2 px

    // seams: lines of SEAM radii (at least a pixel, dimmer then) with a glow around them
    vec2 seam_px = max(pixel, vec2(SEAM));
    vec2 seams = (1.0 - smoothstep(seam_px - pixel, seam_px + pixel, edge)) * min(vec2(1.0), SEAM / pixel);
    float seam = max(0.45 * seams.x, seams.y) * far;
    float halo = exp(-min(edge.x, edge.y) / (0.06 * glow + 0.01)) * far;

    // light strips on some ring seams (a per-ring lottery); they flash with `pulse`. Both
    // neighbouring seams contribute, so a strip's glow fades out smoothly on either side.
    float strip = 0.0;
    for (int side = 0; side < 2; side++) {
        float boundary = floor(t) + float(side);
        float on = step(0.7, hash(vec2(seed_hash, mod(boundary, RING_PERIOD))));
        float dist = abs(t - boundary) / rings;  // radii
        float core = (1.0 - smoothstep(STRIP - pixel.y, STRIP + pixel.y, dist))
                   * min(1.0, STRIP / pixel.y);
        strip += on * (core + 0.35 * glow * exp(-dist / (0.1 * glow + 0.02)));
    }

    // panels: dark bevelled plates; some are lit from inside, brighter towards their far end
    float inner = max(abs(f.x), abs(f.y));
    float aa = max(width.x, width.y);
    float inset = smoothstep(0.34 + aa, 0.34 - aa, inner);
    float bevel = smoothstep(0.5, 0.38, inner);
    float lit = step(0.62, h1);
    float rim = smoothstep(0.34 - 4.0 * aa - 0.03, 0.34 - aa, inner);  // bright inner rim
    float glass = 0.45 + 0.55 * (1.0 - 3.0 * inner * inner) + 0.9 * rim;
    float light = lit * inset * (0.3 + 1.2 * pulse) * glass * (0.7 + 0.6 * (0.5 + f.y));
    float plate = (0.05 + 0.06 * h2) * (0.6 + 0.4 * bevel) + 0.05 * (1.0 - bevel) * (0.5 - f.x);

    float tile_hue = hue + hue_spread * (h2 - 0.5 + 0.04 * min(z, 25.0));
    vec3 seam_colour = hsv(hue + 0.5 * hue_spread, 0.6, 1.0);
    vec3 strip_colour = hsv(hue - 0.5 * hue_spread + 0.04, 0.45, 1.0);
    vec3 wall = hsv(tile_hue, 0.5, 1.0) * plate * far
              + hsv(tile_hue, 0.9, 1.0) * light * far
              + seam_colour * (seam * (0.8 + 0.6 * pulse) + halo * 0.3 * glow)
              + strip_colour * strip * (0.6 + 1.8 * pulse) * far;
    // where the tiles are too small to draw, their average brightness
    wall += hsv(hue, 0.7, 1.0) * (0.1 + 0.1 * glow + 0.1 * pulse) * (1.0 - far);

    // light falls off with depth (fog) into a glowing tunnel end
    float visibility = exp(-fog * z);
    vec3 end_light = hsv(hue + 0.5 * hue_spread + 0.08, 0.4, 1.0);
    vec3 colour = wall * visibility
                + end_light * glow * (1.0 - visibility) * 0.7
                + end_light * glow * 0.5 * exp(-5.0 / z);
    color = vec4(1.0 - exp(-colour * 1.7), 1.0);
}
#endif
