// GPU particles as additive point sprites: every particle is one point placed by
// `particle_at` (life.glsl) from the time uniform and its spawn attributes (nothing is
// simulated per frame). Dead particles and particles not yet born are moved outside the clip
// volume. On software renderers davis draws the same sprites with splat.glsl instead.
#include "particles/life.glsl"
#if defined VERTEX_SHADER

in vec4 in_start;     // spawn position (xyz) and spawn time (w)
in vec4 in_velocity;  // velocity in world units per second (xyz) and turbulence (w)
in vec4 in_color;     // colour (rgb, normalised bytes)
in vec2 in_life;      // size in pixels at the reference height (x) and lifetime (y)

flat out vec3 v_color;

void main() {
    vec4 clip;
    float size, brightness;
    if (!particle_at(in_start, in_velocity, in_life, clip, size, brightness)) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);  // beyond the far plane: clipped
        gl_PointSize = 1.0;
        v_color = vec3(0.0);
        return;
    }
    gl_Position = clip;
    gl_PointSize = size;
    v_color = in_color.rgb * brightness;
}

#elif defined FRAGMENT_SHADER

flat in vec3 v_color;
out vec4 color;

void main() {
    // gl_PointCoord spans the sprite's square; the glow is round within it
    float glow = glow_at(gl_PointCoord * 2.0 - 1.0);
    color = vec4(v_color * glow, 0.0);  // added (ONE, ONE): alpha stays as cleared
}
#endif
