// Field, step 2 (several times a frame): one Gray–Scott reaction–diffusion step.
//   U' = U + Du lap(U) - U V^2 + feed (1 - U)
//   V' = V + Dv lap(V) + U V^2 - (feed + kill) V
// with Du = 1, Dv = 0.5, a unit time step and the 9-point Laplacian (centre -1, sides 0.2,
// corners 0.05). The edges are mirrored (zero flux). texelFetch: no filtering cost.
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;  // (U, V) state
uniform float feed;
uniform float kill;
out vec4 color;

void main() {
    ivec2 size = textureSize(source, 0);
    ivec2 c = ivec2(gl_FragCoord.xy);
    ivec2 lo = max(c - 1, ivec2(0));
    ivec2 hi = min(c + 1, size - 1);
    vec2 centre = texelFetch(source, c, 0).rg;
    vec2 sides = texelFetch(source, ivec2(lo.x, c.y), 0).rg + texelFetch(source, ivec2(hi.x, c.y), 0).rg
               + texelFetch(source, ivec2(c.x, lo.y), 0).rg + texelFetch(source, ivec2(c.x, hi.y), 0).rg;
    vec2 corners = texelFetch(source, lo, 0).rg + texelFetch(source, hi, 0).rg
                 + texelFetch(source, ivec2(lo.x, hi.y), 0).rg + texelFetch(source, ivec2(hi.x, lo.y), 0).rg;
    vec2 laplacian = 0.2 * sides + 0.05 * corners - centre;
    float u = centre.x, v = centre.y;
    float uvv = u * v * v;
    u += laplacian.x - uvv + feed * (1.0 - u);
    v += 0.5 * laplacian.y + uvv - (feed + kill) * v;
    color = vec4(clamp(u, 0.0, 1.0), clamp(v, 0.0, 1.0), 0.0, 1.0);
}
#endif
