/**
 * SVG files imported by the renderer arrive as data: URLs (esbuild's dataurl
 * loader), so the bundle needs no extra request and the CSP's img-src data: covers them.
 */
declare module '*.svg' {
  const dataUrl: string;
  export default dataUrl;
}
