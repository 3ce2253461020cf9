// Field, step 3 (at the field's resolution): the two colours the frame is mixed from, so
// that the full-resolution pass reads two bilinear texels and mixes them (llvmpipe pays for
// every full-resolution operation, so everything smooth is done here):
//   pattern (location 0): the pattern's colour lit as a relief from V's gradient, and V
//   ground  (location 1): the ground's colour, glowing where the pattern used U up
// both through a tone curve set by `contrast` (which also sharpens the edges, in colour.glsl)
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;   // (U, V) state
uniform vec2 aspect_scale;  // half extents: the shorter side spans -1..1
uniform float hue;
uniform float hue_spread;
uniform float relief;       // height of the embossed relief
uniform float contrast;     // tone curve: below 1 lifts the darks, above 1 deepens them
layout(location = 0) out vec4 pattern;
layout(location = 1) out vec4 ground;

#include "common/color.glsl"

void main() {
    ivec2 size = textureSize(source, 0);
    ivec2 c = ivec2(gl_FragCoord.xy);
    ivec2 lo = max(c - 1, ivec2(0));
    ivec2 hi = min(c + 1, size - 1);
    vec2 centre = texelFetch(source, c, 0).rg;
    float dx = texelFetch(source, ivec2(hi.x, c.y), 0).g - texelFetch(source, ivec2(lo.x, c.y), 0).g;
    float dy = texelFetch(source, ivec2(c.x, hi.y), 0).g - texelFetch(source, ivec2(c.x, lo.y), 0).g;
    float u = centre.x, v = centre.y;
    vec2 p = (uv * 2.0 - 1.0) * aspect_scale;

    // relief: V as a height field, lit from the upper left, with a glossy highlight
    vec3 normal = normalize(vec3(-vec2(dx, dy) * relief * 20.0, 1.0));
    vec3 light = normalize(vec3(-0.5, 0.6, 0.65));
    float diffuse = max(dot(normal, light), 0.0);
    float specular = pow(max(dot(reflect(-light, normal), vec3(0.0, 0.0, 1.0)), 0.0), 24.0);

    // the pattern: hue shifts from its rim to its dense core and across the screen
    float tint = hue + hue_spread * (2.0 * smoothstep(0.15, 0.45, v) - 0.5 + 0.3 * p.x);
    vec3 body = hsv(tint, 0.8, 1.0) * (0.3 + 0.8 * diffuse)
              + specular * relief * 0.7 * vec3(1.0, 0.96, 0.9);
    float tone = 0.55 + 0.3 * contrast;
    pattern = vec4(pow(body, vec3(tone)), clamp(2.0 * v, 0.0, 1.0));

    // the ground: deep, in the opposite hue, glowing where the pattern has used U up
    float depleted = 1.0 - u;
    ground = vec4(pow(hsv(hue + 0.5 + 0.5 * hue_spread * (p.y * 0.5 - depleted), 0.75,
                          0.08 + 0.5 * depleted * depleted), vec3(tone)), 1.0);
}
#endif
