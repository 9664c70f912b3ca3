/** Run.method of a run made by a «По расписанию» source (the history shows «по расписанию»). */
export const SCHEDULE_METHOD = "SCHEDULE";
