// RGB shift (Three.js RGBShiftShader): red sampled at +offset, blue at -offset, green in place.
// `offset` is in uv units (the caller scales it by the aspect ratio so the shift is round);
// `gain` brightens the whole picture (a flash), saturating softly instead of clipping flat.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform vec2 offset;
uniform float gain;

out vec4 color;

void main() {
    vec4 centre = texture(source, uv);
    float red = texture(source, uv + offset).r;
    float blue = texture(source, uv - offset).b;
    vec3 lit = vec3(red, centre.g, blue) * gain;
    vec3 over = max(lit - 0.8, 0.0);  // a shoulder above 0.8: highlights keep their detail
    color = vec4(min(lit, 0.8) + 0.2 * (1.0 - exp(-over / 0.2)), 1.0);
}
#endif
