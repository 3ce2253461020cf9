// Zoom blur: the old picture rushes towards the viewer, smeared along its rays, while the
// new one settles in from a slight zoom.
#include "common/transition.glsl"
#if defined FRAGMENT_SHADER
const int TAPS = 3;  // along each ray: with linear filtering enough for a smear, cheap on llvmpipe
vec4 transition(vec2 p) {
    vec2 centre = vec2(0.5) + 0.15 * vec2(cos(seed * 6.2831853), sin(seed * 6.2831853));
    float eased = smoothstep(0.0, 1.0, progress);
    float strength = 0.5 * sin(3.14159265 * progress);  // the smear peaks halfway
    vec4 old_sum = vec4(0.0);
    for (int i = 0; i < TAPS; ++i) {
        float t = (float(i) + 0.5) / float(TAPS);
        old_sum += from_color(centre + (p - centre) / (1.0 + eased + strength * t));
    }
    vec4 new_color = to_color(centre + (p - centre) * (1.0 - 0.3 * (1.0 - eased)));
    return mix(old_sum / float(TAPS), new_color, eased);
}
#endif
