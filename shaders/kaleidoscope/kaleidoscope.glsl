// Kaleidoscope: polar coordinates around the centre of the screen, the angle folded into
// `sides` mirrored wedges (Three.js KaleidoShader, with the aspect ratio corrected so the
// wedges are true angles). Fewer than one side means no folding.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform float sides;
uniform float angle;    // rotation of the pattern, radians
uniform float aspect;   // width / height

out vec4 color;

const float TAU = 6.28318530718;

void main() {
    vec2 p = (uv - 0.5) * vec2(aspect, 1.0);
    if (sides >= 1.0) {
        float r = length(p);
        float wedge = TAU / sides;
        float a = mod(atan(p.y, p.x) + angle, wedge);
        a = abs(a - 0.5 * wedge);
        p = r * vec2(cos(a), sin(a));
    }
    color = texture(source, p / vec2(aspect, 1.0) + 0.5);
}
#endif
