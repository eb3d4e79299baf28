import { defineConfig } from 'vite';

// A test-only bundle of src/cases/gateHarness.ts (the browser photo gate behind window.photoGate),
// built by the photo-gate conformance test into a folder of its own: the app's dist/ never has it.
export default defineConfig({
  build: {
    outDir: 'build/harness',
    emptyOutDir: true,
    minify: false,
    lib: {
      entry: 'src/cases/gateHarness.ts',
      formats: ['iife'],
      name: 'photoGateHarness',
      fileName: () => 'gate-harness.js',
    },
  },
});
