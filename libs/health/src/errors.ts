/** The probe ran and the service is not ready yet: the poller tries again. */
export class NotReadyError extends Error {
  override name = 'NotReadyError';
}
