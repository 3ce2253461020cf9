// Draws one text/HUD panel (a texture with alpha) at a pixel rectangle of the screen.
#if defined VERTEX_SHADER
uniform vec4 rect;        // x, y, width, height in pixels, origin top-left
uniform vec2 screen;      // screen size in pixels
out vec2 uv;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    vec2 pixel = rect.xy + corner * rect.zw;
    uv = corner;
    gl_Position = vec4(pixel.x / screen.x * 2.0 - 1.0, 1.0 - pixel.y / screen.y * 2.0, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D panel;
in vec2 uv;
out vec4 color;
void main() {
    color = texture(panel, uv);
}
#endif
