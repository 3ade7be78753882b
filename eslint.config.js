// Lint: typescript-eslint's type-aware recommended rules over every TypeScript
// file the project compiles, and the recommended JavaScript rules over the
// scripts (bin, bench, stryker, the explorer's browser code). Formatting is
// prettier's job (see .prettierrc.json); the linter holds comments to its
// width. Every disable comment says why (eslint-comments' require-description)
// and has its matching enable, unless it covers the whole file.
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "reports/", ".stryker-tmp/", "coverage/", "interleave-runs/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  comments.recommended,
  {
    // Prettier wraps code at 120 columns but leaves comments as they are; this holds comments to the same width.
    // Strings, template literals and regular expressions may run longer: an expected message reads best whole.
    plugins: { "@stylistic": stylistic },
    rules: {
      "@stylistic/max-len": [
        "error",
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          // A directive and its reason must stay on one line.
          ignorePattern: "(eslint-disable|Stryker disable)",
        },
      ],
    },
  },
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ["*.config.ts", "stryker/*.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (a destructured field left out, a parameter kept for the signature).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // Models, history models, roles and IO sinks are plain objects whose functions never read `this`
      // (Porcupine's and Stateright's shape): passing `model.step` or `io.stdout` around as a value is the design.
      "@typescript-eslint/unbound-method": "off",
      "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
      // A disable at the top of a file, with its reason, covers the whole file (the protocol model, the runtime
      // binding).
      "@eslint-community/eslint-comments/disable-enable-pair": ["error", { allowWholeFile: true }],
    },
  },
  {
    // Tests read the CLI's JSON output and reports through `JSON.parse`; the assertions themselves check the
    // shape, so typing every parsed value first would only restate them.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
  {
    files: ["checker/explorer/ui/**/*.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
);
