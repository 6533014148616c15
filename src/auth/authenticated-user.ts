/** The principal a valid token yields; all a handler may know about the caller. */
export interface AuthenticatedUser {
  id: number;
}
