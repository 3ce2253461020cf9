// Luminance dissolve: the old picture's darkest parts give way first, its highlights last,
// with a fine grain so the boundary shimmers instead of banding.
#include "common/transition.glsl"
#if defined FRAGMENT_SHADER
const float SOFTNESS = 0.1;
float grain(vec2 p) {
    return fract(sin(dot(floor(p * resolution / 2.0), vec2(12.9898, 78.233)) + seed * 43.0) * 43758.5453);
}
vec4 transition(vec2 p) {
    vec4 old_color = from_here();
    float order = 0.8 * luminance(old_color.rgb) + 0.2 * grain(p);
    float edge = progress * (1.0 + 2.0 * SOFTNESS) - SOFTNESS;
    float amount = 1.0 - smoothstep(edge - SOFTNESS, edge + SOFTNESS, order);
    return mix(old_color, to_here(), amount);
}
#endif
