// Bloom, step 3: the picture plus its blurred bright part (upsampled bilinearly).
// The picture has the target's size, so it is read texel for texel (texelFetch: no
// filtering, which a software rasteriser charges for).
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform sampler2D bloom;
uniform float strength;
out vec4 color;
void main() {
    vec3 picture = texelFetch(source, ivec2(gl_FragCoord.xy), 0).rgb;
    color = vec4(picture + strength * texture(bloom, uv).rgb, 1.0);
}
#endif
