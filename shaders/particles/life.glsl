// A particle's whole life is a function of the time uniform and the attributes written once
// when it was spawned: the vertex stage of particles.glsl (point sprites) and splat.glsl
// (the compute path for software renderers) both place it with `particle_at`.
uniform mat4 view_projection;
uniform float time;              // the animation's own clock (seconds of animation time)
uniform float point_scale;       // framebuffer height / reference height
uniform sampler3D noise;         // tileable Perlin noise, three independent channels in [-1, 1]
uniform float noise_frequency;   // noise tiles per world unit
uniform vec3 noise_drift;        // noise tiles per second of animation time
uniform float turbulence_reach;  // world units of displacement per unit of turbulence
uniform float size_gain;         // every sprite's size is multiplied by this (the swell)
uniform float gain;              // and its brightness by this (the flash)

// start: spawn position (xyz) and spawn time (w); velocity: world units per second (xyz) and
// turbulence (w); life: size in pixels at the reference height (x) and lifetime (y).
// False for a particle not yet born or already dead; else its clip-space position, its
// sprite's size in pixels and its brightness.
bool particle_at(vec4 start, vec4 velocity, vec2 life, out vec4 clip, out float size,
                 out float brightness) {
    float age = time - start.w;
    float lifetime = life.y;
    if (!(age >= 0.0 && age < lifetime)) {
        return false;
    }
    float progress = age / lifetime;
    float life_left = 1.0 - progress;

    vec3 position = start.xyz + velocity.xyz * age;
    vec3 push = textureLod(noise, position * noise_frequency + noise_drift * time, 0.0).rgb;
    position += push * (velocity.w * turbulence_reach * progress);
    clip = view_projection * vec4(position, 1.0);

    // fade in over the first half per cent of life, then fade out with the remaining life
    brightness = 0.75 * gain * life_left * min(progress * 200.0, 1.0);
    size = life.x * point_scale * size_gain * life_left;
    if (size < 1.0) {
        // a sprite below one pixel: draw one pixel, dimmed by the area it lost
        brightness *= size * size;
        size = 1.0;
    }
    return true;
}

// The sprite's glow at `offset` from its centre, in units of its radius: (1 - r^2)^2 falls
// smoothly to 0 at the rim.
float glow_at(vec2 offset) {
    float glow = max(1.0 - dot(offset, offset), 0.0);
    return glow * glow;
}
