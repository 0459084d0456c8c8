/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes into the Python package, which serves it at / (see pixelwise.api.web).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/pixelwise/web_dist",
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080" }, // `pixelwise serve` on its default port
  },
  test: {
    include: ["src/**/*.test.ts", "tests/**/*.test.ts"],
    environment: "node",
  },
});
