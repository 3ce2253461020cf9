// Radial: a clock hand sweeps round the centre, uncovering the new picture behind it.
#include "common/transition.glsl"
#if defined FRAGMENT_SHADER
const float SOFTNESS = 0.08;
vec4 transition(vec2 p) {
    vec2 centred = (p - 0.5) * vec2(resolution.x / resolution.y, 1.0);
    float turn = fract(atan(centred.y, centred.x) / 6.2831853 + 0.5 + seed);  // 0..1 round
    float edge = progress * (1.0 + 2.0 * SOFTNESS) - SOFTNESS;
    float amount = 1.0 - smoothstep(edge - SOFTNESS, edge + SOFTNESS, turn);
    return mix(from_here(), to_here(), amount);
}
#endif
