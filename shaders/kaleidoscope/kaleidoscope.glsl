// Kaleidoscope (Three.js KaleidoShader: polar coordinates around the centre, the angle folded
// into `sides` mirrored wedges), then an RGB shift (Three.js RGBShiftShader: red taken at
// +offset on the screen, blue at -offset, green in place) and an exposure gain, in one draw.
//
// The fold is piecewise affine — each half-wedge of the screen is a rotation or a reflection
// of the half-wedge just above the +x axis — so instead of atan/cos/sin per pixel this pass
// draws a fan of triangles, one or more per half-wedge, whose vertices carry the
// (aspect-corrected) source coordinates; interpolation is exact. Each triangle also carries
// its linear map (`in_step_map`, rows m00 m01 / m10 m11) of a step on the screen to the step
// in the scene it shows, so the shift's taps are taken in the scene directly: the same picture
// as shifting the folded one, but for taps that cross a mirror line, which continue the scene
// instead of its mirror image. The mesh is rebuilt on the CPU only when `sides` or the aspect
// ratio changes. On a software rasteriser this is a fraction of the per-pixel shader's cost,
// and half that of a second full-screen pass for the shift.
#if defined VERTEX_SHADER
in vec2 in_position;   // normalised device coordinates
in vec2 in_source;     // where that point samples the scene, in uv
in vec4 in_step_map;
out vec2 source_uv;
flat out vec4 step_map;
void main() {
    source_uv = in_source;
    step_map = in_step_map;
    gl_Position = vec4(in_position, 0.0, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec2 source_uv;
flat in vec4 step_map;
uniform sampler2D source;
uniform vec2 offset;   // the shift on the screen, in uv units (round: x is divided by aspect)
uniform float gain;    // brightens the whole picture (a flash), saturating softly
out vec4 color;
void main() {
    vec2 step = vec2(dot(step_map.xy, offset), dot(step_map.zw, offset));
    vec4 centre = texture(source, source_uv);
    float red = texture(source, source_uv + step).r;
    float blue = texture(source, source_uv - step).b;
    vec3 lit = vec3(red, centre.g, blue) * gain;
    vec3 over = max(lit - 0.8, 0.0);  // a shoulder above 0.8: highlights keep their detail
    color = vec4(min(lit, 0.8) + 0.2 * (1.0 - exp(-over / 0.2)), 1.0);
}
#endif
