// ESLint for web/ (flat config), run by `npm test`. ESLint and typescript-eslint are installed in
// lint/ (`npm ci --prefix lint`): typescript-eslint parses through the TypeScript 6 API, which the
// TypeScript 7 compiler that type-checks web/ no longer ships, so they cannot share one tree.
import { createRequire } from "node:module";

const require = createRequire(new URL("./lint/package.json", import.meta.url));
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const reactHooks = require("eslint-plugin-react-hooks");

export default tseslint.config(
  { ignores: ["dist/", ".test-build/", ".dist-staging-*/", "node_modules/", "lint/", "src/generated/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      // Off: effects name on purpose the values that restart them (a callback made anew at each
      // render must not reopen a socket or reload a list); adding every dependency changes behaviour.
      "react-hooks/exhaustive-deps": "off",
      // `const { id: _id, ...rest } = o` drops a field on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } },
  },
);
