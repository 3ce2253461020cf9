// Instanced cubes in a rotating holder, lit by one white point light plus ambient, with a
// soft Blinn-Phong highlight. Per instance: the cube's model matrix (translate * rotate *
// scale, fixed at creation) and its colour. The holder's rotation (Euler X then Y, as
// Three.js applies it) is a uniform. Lighting is computed per vertex (Gouraud): a face's
// shade then runs across it from corner to corner, so a broad face does not read as one
// flat colour, and a software rasteriser pays for it per vertex, not per pixel.
#if defined VERTEX_SHADER
in vec3 in_position;
in vec3 in_normal;
in mat4 in_model;
in vec3 in_color;

uniform vec2 holder_angle;   // (x, y) radians
uniform mat4 view_projection;
uniform vec3 light_position;
uniform vec3 camera_position;
uniform float ambient;
uniform float shininess;
uniform float specular;

out vec3 v_color;

mat3 holder_rotation(vec2 angle) {
    float cx = cos(angle.x), sx = sin(angle.x);
    float cy = cos(angle.y), sy = sin(angle.y);
    // Rx * Ry (GLSL matrices are column-major: each vec3 is a column)
    mat3 rx = mat3(1.0, 0.0, 0.0,  0.0, cx, sx,  0.0, -sx, cx);
    mat3 ry = mat3(cy, 0.0, -sy,  0.0, 1.0, 0.0,  sy, 0.0, cy);
    return rx * ry;
}

void main() {
    mat3 holder = holder_rotation(holder_angle);
    vec3 world = holder * (in_model * vec4(in_position, 1.0)).xyz;
    // the model matrix is a rotation times a uniform scale, so it maps normals too
    vec3 n = normalize(holder * (mat3(in_model) * in_normal));
    vec3 l = normalize(light_position - world);
    float diffuse = max(dot(n, l), 0.0);
    vec3 h = normalize(l + normalize(camera_position - world));
    float highlight = diffuse > 0.0 ? specular * pow(max(dot(n, h), 0.0), shininess) : 0.0;
    v_color = in_color * (ambient + (1.0 - ambient) * diffuse) + highlight;
    gl_Position = view_projection * vec4(world, 1.0);
}
#elif defined FRAGMENT_SHADER
in vec3 v_color;
out vec4 color;

void main() {
    color = vec4(v_color, 1.0);
}
#endif
