// Swagger UI for /api/docs/, on the document named by the container's data-schema-url.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: container.dataset.schemaUrl,
    domNode: container,
    deepLinking: true,
    persistAuthorization: false,
    withCredentials: false,
    tryItOutEnabled: false,
  });
})();
