// The architecture as rules (npm run check:deps; docs/architecture.md «Rooms» explains them).
// Tests may reach across rooms (they set up data for the code they test); production code may not.
const TEST = "\\.(test|itest|spec)\\.tsx?$";

/** A rule for production code under `from` (a path pattern): it must not depend on `to`. */
const rule = (name, comment, from, to) => ({ name, comment, severity: "error", from: { path: from, pathNot: TEST }, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", comment: "No module depends on itself through others.", severity: "error", from: {}, to: { circular: true } },
    rule("lib-below-the-edges", "lib/ never imports the app, the components, the worker or the tests' support.", "^lib/", {
      path: "^(app|components|worker|e2e|test|scripts|bench)/",
    }),
    rule("definition-is-the-ground", "lib/definition/ (the vocabulary) stands on nothing of ours but lib/errors.ts.", "^lib/definition/", {
      path: "^(lib/(?!definition/|errors\\.ts)|app/|components/|worker/)",
    }),
    rule("definition-no-node", "No node:* in the vocabulary: the editor runs it in the browser.", "^lib/definition/", { dependencyTypes: ["core"] }),
    rule("actions-stay-pure", "Actions import only the vocabulary and each other: no data (lib/db, prisma), no queue, no engine.", "^lib/actions/", {
      path: "^(lib/(?!actions/|definition/|errors\\.ts)|node_modules/(@prisma|prisma|bullmq|ioredis|pg)/)",
    }),
    rule("actions-no-node", "No node:* in actions: storage, HTTP and time come through ctx, and the editor imports them.", "^lib/actions/", {
      dependencyTypes: ["core"],
    }),
    rule(
      "data-below-the-engine",
      "Data rooms (pipelines, runs, webhooks, alerts…) never import the engine or the HTTP edge (lib/api).",
      "^lib/(?!engine/|api/)",
      {
        path: "^lib/(engine|api)/",
      },
    ),
    rule("engine-not-the-edge", "The engine never imports lib/api, app/ or components/.", "^lib/engine/", { path: "^(lib/api/|app/|components/)" }),
    rule("worker-not-the-app", "The worker process never imports app/ or components/ (it is built without Next).", "^worker/", { path: "^(app|components)/" }),
    rule("components-not-server-only", "Components never import the database, the queue or the engine.", "^components/", {
      path: "^(lib/(db|queue|engine|generated)|worker/)",
    }),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(lib/generated|\\.next|node_modules)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mts", ".mjs", ".js", ".cjs", ".json"],
    },
  },
};
