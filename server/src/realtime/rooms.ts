/** Socket.IO room names, shared by the gateway (joins) and the emitter sink (broadcasts). */
export const rooms = {
  /** Everyone watching a concert's waiting room: `queue:tick`, `sale:state`. */
  concert: (concertId: number) => `c:${concertId}`,
  /** Every socket of one fan: personal `queue:status`, `queue:admitted`, `reservation:update`. */
  user: (userId: string) => `u:${userId}`,
  /** Everyone watching a schedule's seat map: `seats:changed`. */
  schedule: (scheduleId: number) => `s:${scheduleId}`,
};
