"""The dbt project as a dg component: DbtProjectComponent on dbt_project/ (manifest prepared in place)."""

import dagster as dg
from dagster_dbt import DbtProject

from orchestration.components.dbt import DBT_PROJECT_DIR, LayoffsDbtComponent


@dg.component_instance
def load(context: dg.ComponentLoadContext) -> LayoffsDbtComponent:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    return LayoffsDbtComponent(project=project, include_metadata=["row_count", "column_metadata"])
