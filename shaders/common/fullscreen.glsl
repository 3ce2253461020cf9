// A full-screen triangle made from gl_VertexID alone: draw with 3 vertices and no buffers.
// Fragment stages of post-processing passes include this file and read `uv`.
#if defined VERTEX_SHADER
out vec2 uv;
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    uv = corner;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec2 uv;
#endif
