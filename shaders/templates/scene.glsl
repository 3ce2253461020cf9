// A davis scene: a Shadertoy-style fragment shader driven by the music's learned features.
//
// davis declares these for you (do not declare them again):
//   vec3  iResolution     the frame size in pixels (z = 1)
//   float iTime           song time in seconds (stands still while paused)
//   float iTimeDelta, iFrameRate; int iFrame; vec4 iMouse (always 0), iDate
//   sampler2D iChannel0   Shadertoy's audio texture, 512x2: row 0 (y = 0.25) the spectrum,
//                         row 1 (y = 0.75) the waveform, in the red channel
//   float iSampleRate, iChannelTime[4]; vec3 iChannelResolution[4]
//   float davis_features[10]  the 10 learned features now, each in [0, 1]
//   float davis_pulses[10]    each feature's pulse: jumps when it changes suddenly, decays
//                             in about 0.25 s
// and, for every [[parameter]] in scene.toml, `uniform float NAME` (its value, mapped from a
// feature that the player picks at random; R reshuffles) and `NAME_integral` (NAME summed
// over song time: use it for motion whose speed is a parameter, never iTime * NAME).
//
// `#include "common/color.glsl"` gives davis's hsv(h, s, v), the built-in animations' colour
// helper.
//
// Save this file while `davis play --animation @SCENE@` runs and the picture reloads; a
// mistake shows on screen with its line while the last good version keeps running.
// Check it headless with `davis scenes check PATH`.

const float TAU = 6.28318530718;

vec3 palette(float t) {
    return 0.5 + 0.5 * cos(TAU * (t + vec3(0.0, 0.33, 0.67)));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    // the shorter side spans -1..1, so the picture keeps its shape in any window
    vec2 p = (2.0 * fragCoord - iResolution.xy) / min(iResolution.x, iResolution.y);
    float radius = length(p);
    float angle = atan(p.y, p.x);

    // rings that travel outwards at `speed` (its integral is the distance travelled)
    float rings = sin(radius * density - speed_integral * TAU + angle * twist);
    float glow = smoothstep(0.0, 1.0, rings) * exp(-radius * 1.5);

    vec3 colour = palette(hue + radius * 0.3) * glow;
    colour += flash * exp(-radius * 4.0);                // the flash: a parameter read as a pulse
    float spectrum = texture(iChannel0, vec2(clamp(radius, 0.0, 1.0), 0.25)).x;
    colour += 0.2 * spectrum * palette(hue + 0.5);       // the audio texture, for Shadertoy habits
    fragColor = vec4(colour, 1.0);
}
