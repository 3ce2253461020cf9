// The particles: soft round sprites, added together (blend ONE, ONE).
// Their diameter is Three.js's attenuated point size: size * point_scale / depth pixels,
// point_scale being half the height in pixels.
#include "lights/scene.glsl"
#if defined VERTEX_SHADER
uniform float size;
uniform float point_scale;
void main() {
    gl_Position = project_and_fog();
    gl_PointSize = max(size * point_scale / gl_Position.w, 1.0);
}
#elif defined FRAGMENT_SHADER
void main() {
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(p, p);
    if (r2 >= 1.0) {
        discard;
    }
    // a bright core and a soft halo that reaches 0 at the sprite's edge
    float halo = 1.0 - r2;
    float core = halo * halo;
    float glow = halo * (0.25 + 0.75 * core * core);
    color = vec4(light_color * (opacity * glow * v_fog), 1.0);
}
#endif
