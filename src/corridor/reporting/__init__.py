"""What people read about a scenario and a plan, as plain data: plan summaries, trip sheets a
driver can follow, Gantt chart rows and map scenes. Pure: no files, no drawing; the adapters
(``corridor.adapters.report_files``, ``gantt_png``, ``mapplot``, ``pdf``) write them out."""
