"""Understanding the customer: entity extraction on spaCy and the Rasa component around it."""

from cssecure.nlu.entities import ENTITY_NAMES, EntityFinder, ExtractedEntity, extract_entities

__all__ = ["ENTITY_NAMES", "EntityFinder", "ExtractedEntity", "extract_entities"]
