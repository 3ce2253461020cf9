// Directional wipe: a soft edge sweeps across the screen at an angle set by the seed.
#include "common/transition.glsl"
#if defined FRAGMENT_SHADER
const float SOFTNESS = 0.12;
vec4 transition(vec2 p) {
    float angle = seed * 6.2831853;
    vec2 direction = vec2(cos(angle), sin(angle));
    // where p lies along the direction, 0..1 over the screen's corners
    float reach = 0.5 * (abs(direction.x) + abs(direction.y));
    float along = (dot(p - 0.5, direction) + reach) / (2.0 * reach);
    float edge = progress * (1.0 + 2.0 * SOFTNESS) - SOFTNESS;
    float amount = 1.0 - smoothstep(edge - SOFTNESS, edge + SOFTNESS, along);
    return mix(from_here(), to_here(), amount);
}
#endif
