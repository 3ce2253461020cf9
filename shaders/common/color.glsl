// Colour helpers shared by the animations' fragment shaders.

// Hue, saturation, value (each 0..1, hue wrapping) to RGB, with a smoothstep on the hue
// ramps so that sweeping the hue shows no bright or dark bands at the primaries.
vec3 hsv(float h, float s, float v) {
    vec3 k = clamp(abs(fract(h + vec3(0.0, 2.0 / 3.0, 1.0 / 3.0)) * 6.0 - 3.0) - 1.0, 0.0, 1.0);
    return v * mix(vec3(1.0), k * k * (3.0 - 2.0 * k), s);
}
