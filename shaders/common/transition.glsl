// What every transition style (shaders/transitions/*.glsl) shares: the two pictures, the
// progress and a per-transition seed. A style defines `vec4 transition(vec2 p)` inside its
// own `#if defined FRAGMENT_SHADER` block; progress runs 0 (all old) -> 1 (all new) in song time.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D from_frame;
uniform sampler2D to_frame;
uniform float progress;
uniform vec2 resolution;
uniform float seed;   // 0..1, different for each transition: direction, centre, grain
out vec4 color;

vec4 from_color(vec2 p) { return texture(from_frame, p); }
vec4 to_color(vec2 p) { return texture(to_frame, p); }
// The two pictures at this very pixel: one fetch, no filtering (the cheap path on llvmpipe).
vec4 from_here() { return texelFetch(from_frame, ivec2(gl_FragCoord.xy), 0); }
vec4 to_here() { return texelFetch(to_frame, ivec2(gl_FragCoord.xy), 0); }
float luminance(vec3 c) { return dot(c, vec3(0.2126, 0.7152, 0.0722)); }

vec4 transition(vec2 p);

void main() {
    color = vec4(transition(uv).rgb, 1.0);
}
#endif
