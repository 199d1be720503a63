/// The OpenAPI 3.1 description of the API, served at `/api/v1/openapi.json`.
///
/// The document itself is `openapi.json` beside this file; the `EmbedOpenAPIDocument` build
/// plugin compiles it into ``json`` so that the `lifeboat` binary needs no resource files.
/// A test compares its paths and methods with ``APIRouter/routes`` and with what the
/// server answers, so the two cannot drift apart.
enum OpenAPIDocument {}
