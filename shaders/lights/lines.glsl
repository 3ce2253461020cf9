// The links between particles: GL_LINES through an index buffer, added like the points.
#include "lights/scene.glsl"
#if defined VERTEX_SHADER
void main() {
    gl_Position = project_and_fog();
}
#elif defined FRAGMENT_SHADER
uniform float line_gain;   // the lines' brightness relative to the sprites' cores
void main() {
    color = vec4(light_color * (opacity * line_gain * v_fog), 1.0);
}
#endif
