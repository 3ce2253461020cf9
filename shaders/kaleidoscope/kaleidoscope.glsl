// Kaleidoscope (Three.js KaleidoShader: polar coordinates around the centre, the angle folded
// into `sides` mirrored wedges). The fold is piecewise affine — each half-wedge of the screen
// is a rotation or a reflection of the half-wedge just above the +x axis — so instead of
// atan/cos/sin per pixel this pass draws a fan of triangles, one or more per half-wedge,
// whose vertices carry the (aspect-corrected) source coordinates; interpolation is exact.
// The mesh is rebuilt on the CPU only when `sides` or the aspect ratio changes. This is the
// same picture as the per-pixel shader at a fraction of the cost on a software rasteriser.
#if defined VERTEX_SHADER
in vec2 in_position;   // normalised device coordinates
in vec2 in_source;     // where that point samples the scene, in uv
out vec2 source_uv;
void main() {
    source_uv = in_source;
    gl_Position = vec4(in_position, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec2 source_uv;
uniform sampler2D source;
out vec4 color;
void main() {
    color = texture(source, source_uv);
}
#endif
