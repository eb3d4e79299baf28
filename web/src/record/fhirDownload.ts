/** `dermafollow-case-<id>-<yyyy-mm-dd>.fhir.json`: no name or other PHI in the file name. */
export function fhirFileName(caseId: string, now: Date): string {
  const safeId = caseId.replace(/[^A-Za-z0-9_-]/g, '');
  return `dermafollow-case-${safeId}-${now.toISOString().slice(0, 10)}.fhir.json`;
}

/** Hands a JSON document to the browser as a file download; the object URL is released after. */
export function saveJsonFile(document_: unknown, fileName: string, type: string): void {
  const blob = new Blob([JSON.stringify(document_, null, 2)], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download synchronously; give the browser a moment before releasing.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
