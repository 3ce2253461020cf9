// Mosaic: a window of coloured glass cells (a Voronoi diagram) whose leading glows.
//
// The plane is cut into cells around one moving point per grid square: each pixel looks at
// the 3x3 squares around its own and keeps the nearest and second-nearest points, so
// `second - nearest` is its distance to the leading between two cells. Cells are tinted by
// a hash of their square; the points circle at the speed of `drift` (integrated). On the
// music's sudden changes the leading flashes (`flash`), a share of the cells lights up
// (`pop`) and the whole window jolts closer (`kick`).

const float TAU = 6.28318530718;

// hsv(h, s, v) to RGB: davis's shared colour helper
#include "common/color.glsl"

// Two pseudo-random numbers in [0, 1) per grid square, without sin (nine per pixel, and
// llvmpipe's sin is dear).
vec2 hash2(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * vec3(0.1031, 0.1030, 0.0973));
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.xx + p3.yz) * p3.zy);
}

// A cheap sine: a piecewise parabola within 6% of sin(x), for the points' circling.
vec2 psin(vec2 x) {
    vec2 a = x * (1.0 / 3.14159265359);
    a -= 2.0 * floor(0.5 * a + 0.5);
    return 4.0 * a * (1.0 - abs(a));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 p = (2.0 * fragCoord - iResolution.xy) / min(iResolution.x, iResolution.y);
    vec2 q = p * cells / (1.0 + kick) + vec2(0.13, 0.07) * drift_integral;
    vec2 square = floor(q);
    vec2 inside = q - square;

    float nearest = 8.0;
    float second = 8.0;
    vec2 owner = vec2(0.0);
    for (int j = -1; j <= 1; ++j) {
        for (int i = -1; i <= 1; ++i) {
            vec2 offset = vec2(float(i), float(j));
            vec2 h = hash2(square + offset);
            // each point circles its square's centre, `jitter` of the way to its edge
            vec2 point = offset + 0.5 + 0.45 * jitter * psin(drift_integral * (0.5 + h) + TAU * h.yx);
            float d = length(point - inside);
            if (d < nearest) {
                second = nearest;
                nearest = d;
                owner = square + offset;
            } else if (d < second) {
                second = d;
            }
        }
    }
    vec2 id = hash2(owner * 1.7 + 3.1);
    float leading = 1.0 - smoothstep(0.0, edge, second - nearest);
    // glass: its own tint, darker towards the middle of the cell (a little depth)
    float shade = mix(1.0, 0.55 + 0.9 * nearest, depth);
    float lit = 0.35 + 0.4 * id.y + step(id.x, pop) * 1.2;
    vec3 glass = hsv(hue + spread * (id.x - 0.5), 0.75, lit * shade * 0.6);
    vec3 lead = hsv(hue + 0.5, 0.3, 0.25 + flash);
    fragColor = vec4(mix(glass, lead, leading), 1.0);
}
