// Crossfade: the new picture fades in over the old one, eased at both ends.
#include "common/transition.glsl"
#if defined FRAGMENT_SHADER
vec4 transition(vec2 p) {
    return mix(from_here(), to_here(), smoothstep(0.0, 1.0, progress));
}
#endif
