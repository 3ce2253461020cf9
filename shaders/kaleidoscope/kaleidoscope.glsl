// Kaleidoscope (Three.js KaleidoShader: polar coordinates around the centre, the angle folded
// into `sides` mirrored wedges), then an RGB shift (Three.js RGBShiftShader: red taken at
// +offset on the screen, blue at -offset, green in place) and an exposure gain, in one draw.
//
// The fold is piecewise affine — each half-wedge of the screen is a rotation or a reflection
// of the half-wedge just above the +x axis — so instead of atan/cos/sin per pixel this pass
// draws a fan of triangles, one or more per half-wedge, whose vertices carry the
// (aspect-corrected) source coordinates; interpolation is exact. Each triangle also carries
// its linear map (`in_step_map`, rows m00 m01 / m10 m11) of a step on the screen to the step
// in the scene it shows, so the shift's taps are taken in the scene directly instead of in a
// folded picture drawn first (a second full-screen pass). A tap that crosses a mirror line
// lands outside the source half-wedge; reflecting it back across the half-wedge's edges
// gives the point the fold shows there, so the picture is the folded one shifted, as the
// original's two passes drew it. The mesh is rebuilt on the CPU only when `sides` or the
// aspect ratio changes. A software rasteriser runs this pass at the cost of its arithmetic,
// so every operation per pixel counts.
#if defined VERTEX_SHADER
uniform float aspect;
in vec2 in_position;   // normalised device coordinates
in vec2 in_source;     // where that point samples the scene, in uv
in vec4 in_step_map;
out vec2 source_point; // the same, aspect-corrected, around the centre
flat out vec4 step_map;
void main() {
    source_point = (in_source - 0.5) * vec2(aspect, 1.0);
    step_map = in_step_map;
    gl_Position = vec4(in_position, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec2 source_point;
flat in vec4 step_map;
uniform sampler2D source;
uniform vec2 offset;       // the shift on the screen, aspect-corrected (round)
uniform float gain;        // brightens the whole picture (a flash), saturating softly
uniform vec2 uv_scale;     // aspect-corrected -> uv: (1 / aspect, 1)
uniform vec2 edge_normal;  // the far edge of the source half-wedge: (-sin, cos) of its angle
uniform bool folded;       // false: one quad, nothing to reflect (edge_normal is 0 then)
out vec4 color;

vec4 scene(vec2 point) {
    return texture(source, point * uv_scale + 0.5);
}

// Once: only within a shift of the centre, where a wedge is narrower than the shift, can a
// tap cross two mirror lines (a few pixels in a thousand at 24 sides).
vec2 into_half_wedge(vec2 point) {
    point.y = folded ? abs(point.y) : point.y;                          // the +x edge
    return point - 2.0 * max(dot(point, edge_normal), 0.0) * edge_normal;  // the far edge
}

void main() {
    vec2 step = vec2(dot(step_map.xy, offset), dot(step_map.zw, offset));
    float red = scene(into_half_wedge(source_point + step)).r;
    float green = scene(source_point).g;
    float blue = scene(into_half_wedge(source_point - step)).b;
    vec3 lit = vec3(red, green, blue) * gain;
    // A shoulder above 0.8, so highlights keep their detail: 0.2 (1 - e^-t) for the light
    // t = over / 0.2 above it, e^-t taken as 1 / (1 + t + t^2 / 2) (exp costs a software
    // rasteriser a tenth of this pass).
    vec3 t = max(lit - 0.8, 0.0) / 0.2;
    color = vec4(min(lit, 0.8) + 0.2 - 0.2 / (1.0 + t * (1.0 + 0.5 * t)), 1.0);
}
#endif
