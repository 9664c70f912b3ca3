// ESLint (flat config): typescript-eslint's recommended rules, React's hooks rules and Next's own
// rules (core web vitals). Formatting is Prettier's (npm run format), not ESLint's.
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import nextPlugin from "@next/eslint-plugin-next";

export default tseslint.config(
  {
    ignores: [
      "lib/generated/**",
      ".next/**",
      ".next-*/**",
      "node_modules/**",
      "test-results/**",
      "playwright-report/**",
      "dist/**",
      "dist.tmp-*/**",
      "bench/.build/**",
      "next-env.d.ts",
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,mts,mjs,cjs}"],
    rules: {
      // `_`-prefixed names are deliberately unused (a parameter a callback must accept).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    // React code: the rules of hooks, and Next's rules. The React Compiler's rules (set-state-in-effect,
    // refs, purity…) are left out: the app is not compiled by it, and the patterns they flag are
    // deliberate here (state re-seeded from server props, a ref holding the latest list).
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
    },
  },
  {
    // Node scripts (CommonJS where a tool demands it).
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
