// Aurora: three curtains of light folding over a starry night sky.
//
// Each curtain has a sharp, wavy lower edge (a sum of two sines of x that slide sideways at
// the speed of `waves`, integrated) and fades upwards over `length`; fine vertical streaks
// (smooth 1D value noise in x, moving with `shimmer`) give it the rayed look. On the music's
// sudden changes the curtains flare (`flare`), leap upwards (`lift`) and their rays race
// (`shimmer` is a pulse, read through its integral). Behind them, a grid of stars twinkles.
// Per pixel: three curtains of a handful of sines and two noise lookups each; no loops over
// octaves.

const float TAU = 6.28318530718;
const int CURTAINS = 3;

// hsv(h, s, v) to RGB: davis's shared colour helper
#include "common/color.glsl"

float hash(float n) { return fract(sin(n * 12.9898) * 43758.5453); }

float hash2(vec2 p) { return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453); }

// Smooth 1D value noise in [0, 1].
float noise(float x) {
    float i = floor(x);
    float f = x - i;
    return mix(hash(i), hash(i + 1.0), f * f * (3.0 - 2.0 * f));
}

vec3 curtain(vec2 p, float k) {
    float phase = waves_integral * (0.7 + 0.3 * k) + 2.1 * k;
    float edge = -0.35 + 0.22 * k - lift
               + 0.16 * sin(p.x * fold + phase)
               + 0.07 * sin(p.x * fold * 2.3 - 1.3 * phase + k);
    float above = p.y - edge;
    float body = above > 0.0 ? exp(-above / reach) : exp(above * 40.0);
    float rays = noise(p.x * streaks + 17.0 * k + shimmer_integral)
               * noise(p.x * streaks * 0.37 - 5.0 * k - 0.5 * shimmer_integral);
    float light = body * (0.25 + 1.5 * rays) * flare;
    // green at the foot, shifting towards `hue + spread` at the top, as real aurorae do
    return hsv(hue + spread * (k / float(CURTAINS) + clamp(above, 0.0, 1.0)), 0.8, light);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 p = (2.0 * fragCoord - iResolution.xy) / min(iResolution.x, iResolution.y);
    vec3 colour = mix(vec3(0.01, 0.015, 0.04), vec3(0.03, 0.02, 0.08), clamp(p.y * 0.5 + 0.5, 0.0, 1.0));

    // stars: one per grid cell at most, twinkling slowly
    vec2 cell = floor(fragCoord / 6.0 * (720.0 / iResolution.y));
    float star = hash2(cell);
    if (star > 1.0 - 0.03 * stars) {
        float twinkle = 0.6 + 0.4 * sin(iTime * (1.0 + 3.0 * star) + star * TAU);
        colour += vec3(0.8, 0.85, 1.0) * twinkle * stars;
    }
    for (int k = 0; k < CURTAINS; ++k) {
        colour += curtain(p, float(k));
    }
    fragColor = vec4(colour, 1.0);
}
