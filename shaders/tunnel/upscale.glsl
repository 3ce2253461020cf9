// Upscale of the half-resolution tunnel with a soft vignette.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform float vignette;
out vec4 color;
void main() {
    vec2 d = uv - 0.5;
    color = vec4(texture(source, uv).rgb * (1.0 - vignette * dot(d, d)), 1.0);
}
#endif
