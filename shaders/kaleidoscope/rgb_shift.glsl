// RGB shift (Three.js RGBShiftShader): red sampled at +offset, blue at -offset, green in place.
// `offset` is in uv units (the caller scales it by the aspect ratio so the shift is round).
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform vec2 offset;

out vec4 color;

void main() {
    vec4 centre = texture(source, uv);
    float red = texture(source, uv + offset).r;
    float blue = texture(source, uv - offset).b;
    color = vec4(red, centre.g, blue, 1.0);
}
#endif
