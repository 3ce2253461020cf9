// Bloom, step 2: one direction of a separable Gaussian blur (run it horizontally, then
// vertically). The kernel comes from `visualizer.bloom.gaussian_taps`: texel pairs are read
// with one bilinear fetch each, at their weighted centre, so the 2k texels on each side of
// the centre cost k fetches. `direction` is one texel along the blur's axis, in uv units.
// TAP_COUNT is a compile-time constant (defined by the Bloom) so that the loop unrolls.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
#ifndef TAP_COUNT
#define TAP_COUNT 3
#endif
uniform sampler2D source;
uniform vec2 direction;
uniform float center_weight;
uniform vec2 taps[TAP_COUNT];   // (offset in texels, weight) of each fetch on one side
out vec4 color;
void main() {
    vec3 sum = center_weight * texture(source, uv).rgb;
    for (int i = 0; i < TAP_COUNT; ++i) {
        vec2 offset = taps[i].x * direction;
        sum += taps[i].y * (texture(source, uv + offset).rgb + texture(source, uv - offset).rgb);
    }
    color = vec4(sum, 1.0);
}
#endif
