// The architecture as rules (npm run check:deps; docs/architecture.md «Rooms» explains them).
// Tests may reach across rooms (they set up data for the code they test); production code may not.
const TEST = "\\.(test|itest|spec)\\.tsx?$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", comment: "No module depends on itself through others.", severity: "error", from: {}, to: { circular: true } },
    {
      name: "lib-below-the-edges",
      comment: "lib/ never imports the app, the components, the worker or the tests' support.",
      severity: "error",
      from: { path: "^lib/", pathNot: TEST },
      to: { path: "^(app|components|worker|e2e|test|scripts|bench)/" },
    },
    {
      name: "definition-is-the-ground",
      comment: "lib/definition/ (the vocabulary) stands on nothing of ours but lib/errors.ts, and uses no node:* (the editor runs it).",
      severity: "error",
      from: { path: "^lib/definition/", pathNot: TEST },
      to: { path: "^(lib/(?!definition/|errors\\.ts)|app/|components/|worker/)" },
    },
    {
      name: "definition-no-node",
      severity: "error",
      from: { path: "^lib/definition/", pathNot: TEST },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "actions-stay-pure",
      comment:
        "Actions get storage, HTTP and time through ctx: they import only the vocabulary and each other — no data (lib/db, prisma), no queue, no engine.",
      severity: "error",
      from: { path: "^lib/actions/", pathNot: TEST },
      to: { path: "^(lib/(?!actions/|definition/|errors\\.ts)|node_modules/(@prisma|prisma|bullmq|ioredis|pg)/)" },
    },
    {
      name: "actions-no-node",
      comment: "No node:* in actions: the editor imports them into the browser.",
      severity: "error",
      from: { path: "^lib/actions/", pathNot: TEST },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "data-below-the-engine",
      comment: "Data rooms (pipelines, runs, webhooks, alerts…) never import the engine or the HTTP edge (lib/api); the engine imports them.",
      severity: "error",
      from: { path: "^lib/(?!engine/|api/)", pathNot: TEST },
      to: { path: "^lib/(engine|api)/" },
    },
    {
      name: "engine-not-the-edge",
      comment: "The engine never imports lib/api, app/ or components/.",
      severity: "error",
      from: { path: "^lib/engine/", pathNot: TEST },
      to: { path: "^(lib/api/|app/|components/)" },
    },
    {
      name: "worker-not-the-app",
      comment: "The worker process never imports app/ or components/ (it is built without Next).",
      severity: "error",
      from: { path: "^worker/", pathNot: TEST },
      to: { path: "^(app|components)/" },
    },
    {
      name: "components-not-server-only",
      comment: "Components never import the database, the queue or the engine (types from the vocabulary and actions only).",
      severity: "error",
      from: { path: "^components/", pathNot: TEST },
      to: { path: "^(lib/(db|queue|engine|generated)|worker/)" },
    },
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
    reporterOptions: { text: { highlightFocused: true } },
  },
};
