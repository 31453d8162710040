/** The API's errors: each is an HTTP status, a stable code and a message naming what was wrong. */
export type ApiErrorCode = 'bad_parameter' | 'unauthorized' | 'not_found' | 'method_not_allowed' | 'internal';

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 500,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const badParameter = (message: string) => new ApiError(400, 'bad_parameter', message);

export function errorBody(e: ApiError): { error: { code: ApiErrorCode; message: string } } {
  return { error: { code: e.code, message: e.message } };
}
