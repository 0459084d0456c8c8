// Display images of work items, decoded once and kept for the next few items, so moving
// to the next item (whose image was prefetched) draws without waiting for the network.

const KEEP = 6;
const cache = new Map<string, Promise<HTMLImageElement>>();

export function displayUrl(projectId: number, assetId: number): string {
  return `/api/projects/${projectId}/assets/${assetId}/display`;
}

/** The decoded image at `url`; a second call for the same URL reuses the first. */
export function loadImage(url: string): Promise<HTMLImageElement> {
  const known = cache.get(url);
  if (known !== undefined) {
    cache.delete(url); // most recently used last
    cache.set(url, known);
    return known;
  }
  const loading = new Promise<HTMLImageElement>((resolve, reject) => {
    const image = new Image();
    image.decoding = "async";
    image.onload = () => {
      image.decode().then(
        () => resolve(image),
        () => resolve(image),
      );
    };
    image.onerror = () => reject(new Error(`The image could not be loaded (${url}).`));
    image.src = url;
  });
  loading.catch(() => cache.delete(url));
  cache.set(url, loading);
  while (cache.size > KEEP) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return loading;
}
