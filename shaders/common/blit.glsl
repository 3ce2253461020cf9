// Copies a texture to the bound framebuffer (the window shows the renderer's frame with it).
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
out vec4 color;
void main() {
    color = vec4(texture(source, uv).rgb, 1.0);
}
#endif
