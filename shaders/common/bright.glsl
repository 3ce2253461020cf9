// Bloom, step 1: the bright part of a picture, averaged down to a smaller texture.
// Four bilinear taps one source texel off the output texel's centre average a 4x4 block of
// the source, so a downscale of 2 or 4 keeps thin bright lines instead of skipping them.
// Colours whose brightest channel is above `threshold` keep the excess (a soft knee).
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform vec2 source_texel;   // 1 / source size
uniform float threshold;     // 0..1
out vec4 color;
void main() {
    vec2 o = source_texel;
    vec3 c = 0.25 * (texture(source, uv + vec2(-o.x, -o.y)).rgb
                     + texture(source, uv + vec2(o.x, -o.y)).rgb
                     + texture(source, uv + vec2(-o.x, o.y)).rgb
                     + texture(source, uv + vec2(o.x, o.y)).rgb);
    float peak = max(c.r, max(c.g, c.b));
    float keep = max(peak - threshold, 0.0) / max(peak, 1e-4);
    color = vec4(c * keep, 1.0);
}
#endif
