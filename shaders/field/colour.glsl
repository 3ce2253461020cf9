// Field, step 4 (full resolution): the pattern cut out of the ground. The threshold of V is
// taken per screen pixel on the bilinearly interpolated field, so the edges stay crisp
// however coarse the field; `contrast` sets how sharp they are.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;   // pattern colour and V / 2 (alpha)
uniform sampler2D ground;   // ground colour
uniform float contrast;
out vec4 color;

void main() {
    vec4 pattern = texture(source, uv);
    float width = 0.1 / contrast;  // in V / 2: the threshold is V = 0.2
    float body = smoothstep(0.4 - width, 0.4 + width, pattern.a);
    color = vec4(mix(texture(ground, uv).rgb, pattern.rgb, body), 1.0);
}
#endif
