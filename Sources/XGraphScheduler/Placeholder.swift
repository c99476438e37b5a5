enum SchedulerPlaceholder {}
