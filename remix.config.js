/** @type {import('@remix-run/dev').AppConfig} */
export default {
  // The classic Remix compiler (esbuild). The server build is an ES module that app/server.ts
  // imports; node_modules stay external so Prisma's runtime is loaded from node_modules.
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: false,
  },
};
