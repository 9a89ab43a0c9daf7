// Sends a file as the raw body of a POST (pad import), with the CSRF token as the API client does.
import { ApiError, api, parseError } from "../api.ts";

export async function postFile<T>(path: string, file: Blob): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (api.csrfToken) headers["X-CSRF-Token"] = api.csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method: "POST", headers, body: file, credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError("network", e instanceof Error ? e.message : String(e), 0);
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) throw parseError(res.status, data, res.headers.get("Retry-After"));
  return data as T;
}
