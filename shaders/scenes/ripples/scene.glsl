// Ripples: rings of light spreading over dark water from two wandering sources, as if the
// music dropped stones in it.
//
// Each source sends out concentric rings; their phase is the distance from the source times
// `density`, minus how far the rings have travelled (`surge_integral`: the surge is a pulse,
// so the rings rush outwards on the music's sudden changes and drift slowly between them).
// The two ring trains interfere, the crests are sharpened by `sharpness` and glint white on
// a pulse, and everything fades with the distance from the sources. Cheap per pixel: two
// lengths, two cosines and a few exponentials (no loops).

const float TAU = 6.28318530718;

// hsv(h, s, v) to RGB: davis's shared colour helper
#include "common/color.glsl"

// One ring train: 1 on a crest, 0 in a trough, sharpened by `sharpness`.
float rings(float radius) {
    float wave = 0.5 + 0.5 * cos(TAU * (radius * density - surge_integral));
    return pow(wave, sharpness);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    // the shorter side spans -1..1: the picture keeps its shape in any window
    vec2 p = (2.0 * fragCoord - iResolution.xy) / min(iResolution.x, iResolution.y);
    // the sources wander on slow Lissajous paths, `wander` apart at most
    float t = drift_integral;
    vec2 a = wander * vec2(sin(0.61 * t), 0.6 * sin(0.43 * t + 1.0));
    vec2 b = -wander * vec2(0.8 * sin(0.37 * t + 2.0), 0.7 * sin(0.53 * t));
    float ra = length(p - a);
    float rb = length(p - b);
    float wave = 0.5 * (rings(ra) + rings(rb));
    float fade = exp(-falloff * min(ra, rb));

    // colour shifts slightly with the distance travelled, so each ring has its own tint
    float tint = hue + 0.06 * sin(TAU * (ra * density - surge_integral) / 7.0);
    vec3 water = hsv(tint, 0.75, 0.05 + 0.05 * fade);
    vec3 light = hsv(tint + 0.08, 0.65, wave * fade * (0.45 + flash));
    float crest = pow(wave, 6.0) * fade * glint;
    fragColor = vec4(water + light + vec3(crest), 1.0);
}
