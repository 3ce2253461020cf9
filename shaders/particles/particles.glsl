// GPU particles: every particle is one point whose whole life is a function of the time
// uniform and the attributes written once when it was spawned (nothing is simulated per
// frame). Dead particles and particles not yet born are moved outside the clip volume.
#if defined VERTEX_SHADER
uniform mat4 view_projection;
uniform float time;              // the animation's own clock (seconds of animation time)
uniform float point_scale;       // framebuffer height / reference height
uniform sampler3D noise;         // tileable Perlin noise, three independent channels in [-1, 1]
uniform float noise_frequency;   // noise tiles per world unit
uniform vec3 noise_drift;        // noise tiles per second of animation time
uniform float turbulence_reach;  // world units of displacement per unit of turbulence
uniform float size_gain;         // every sprite's size is multiplied by this (the swell)
uniform float gain;              // and its brightness by this (the flash)

in vec4 in_start;     // spawn position (xyz) and spawn time (w)
in vec4 in_velocity;  // velocity in world units per second (xyz) and turbulence (w)
in vec4 in_color;     // colour (rgb, normalised bytes)
in vec2 in_life;      // size in pixels at the reference height (x) and lifetime (y)

flat out vec3 v_color;

void main() {
    float age = time - in_start.w;
    float lifetime = in_life.y;
    if (!(age >= 0.0 && age < lifetime)) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // beyond the far plane: clipped
        gl_PointSize = 1.0;
        v_color = vec3(0.0);
        return;
    }
    float progress = age / lifetime;
    float life_left = 1.0 - progress;

    vec3 position = in_start.xyz + in_velocity.xyz * age;
    vec3 push = texture(noise, position * noise_frequency + noise_drift * time).rgb;
    position += push * (in_velocity.w * turbulence_reach * progress);
    gl_Position = view_projection * vec4(position, 1.0);

    // fade in over the first half per cent of life, then fade out with the remaining life
    float brightness = 0.75 * gain * life_left * min(progress * 200.0, 1.0);
    float size = in_life.x * point_scale * size_gain * life_left;
    if (size < 1.0) {
        // a sprite below one pixel: draw one pixel, dimmed by the area it lost
        brightness *= size * size;
        size = 1.0;
    }
    gl_PointSize = size;
    v_color = in_color.rgb * brightness;
}

#elif defined FRAGMENT_SHADER
flat in vec3 v_color;
out vec4 color;

void main() {
    // a soft round sprite: (1 - r^2)^2 falls smoothly to 0 at the rim
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float glow = max(1.0 - dot(p, p), 0.0);
    glow *= glow;
    color = vec4(v_color * glow, 0.0);  // added (ONE, ONE): alpha stays as cleared
}
#endif
